#!/usr/bin/env python3
"""Every English text the server can send a client has a Persian version in the catalog (server/http/messages.c).

Collects the texts where they are written: the literal arguments of every reply_problem, reply_problem_fields,
req_deny, field_error, reply_throttled and the framing check's refusals in server/; the format of every snprintf
into a detail or message that is then sent; the tables of problem_map.c and conflict.c; json_strict.c's body
details; and the registry's own rule messages (RAISE ... USING ERRCODE = 'RA422') in migrations/, whose
"field: " part is cut off before the catalog is asked (reply.c's reply_rule_field). A call whose text is a
variable must name one of VARIABLES below (which say where its texts are collected), so a new path of text cannot
slip past. Prints each text without a translation and exits 1; with --list prints every text collected.

The resource names put into "No such %s" (the resources' .name and the ids' "what") must be catalog entries as
well: the template carries them over translated."""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith('-') else \
    os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')

# call -> index of the argument that is an English text sent to the client
CALLS = {
    'reply_problem': 2, 'reply_problem_fields': 2, 'req_deny': 1, 'field_error': 2, 'reply_throttled': 2,
    'refuse': 2, 'refuse_head': 4, 'refuse_body': 4, 'attempt_started': 6,
}
# variables passed as a text, and where the texts they hold are collected
VARIABLES = {
    'detail': 'the snprintf(detail, ...) formats of the same file, the framing table, json_strict.c',
    'msg': 'the snprintf(msg, ...) formats of the same file',
    'why': 'submissions.c oversized(): its snprintf(why, ...) formats',
    'fdetail': 'the framing check\'s refusals (refuse, refuse_head, refuse_body, *detail =)',
    'v.detail': 'framing.c\'s verdict: the literal arguments of refuse()',
    'rc->state': 'req_deny\'s literal arguments',
    'throttled': 'login throttling: the literal arguments of attempt_started',
    'p->detail': 'problem_map.c\'s table',
    'u->message': 'conflict.c\'s rules',
    'reason': 'session.c: password_check\'s reasons, all coded in password_rules (field_error_coded)',
    'sqlstate_problem_find("RA401",DB_CONTEXT_REQUEST)->detail': 'problem_map.c\'s table',
    'named?colon+2:job->errmsg': 'the RA422 messages of migrations/',
    'en': 'input.c query_error(): its callers pass the Persian beside the English and the code, as field_error_coded',
}
# snprintf targets whose format is a text sent to the client
TEXT_BUFFERS = {'detail', 'msg', 'why'}

STRING = r'"(?:[^"\\\n]|\\.)*"'
ESCAPES = {'n': '\n', 't': '\t', '"': '"', '\\': '\\', "'": "'"}


def unescape(lit):
    body = lit[1:-1]
    return re.sub(r'\\(.)', lambda m: ESCAPES.get(m.group(1), m.group(1)), body)


def strip_comments(src):
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == '\\' else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith('/*', i):
            j = src.find('*/', i + 2)
            out.append(re.sub(r'[^\n]', ' ', src[i:j + 2]))     # keeps the line numbers
            i = j + 2
        elif src.startswith('//', i):
            j = src.find('\n', i)
            i = j if j >= 0 else n
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def split_args(src, start):
    """The top-level arguments of the call whose '(' is at start, as source text."""
    depth, i, args, cur = 0, start, [], []
    while i < len(src):
        c = src[i]
        if c in '"\'':
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == '\\' else 1
            cur.append(src[i:j + 1])
            i = j + 1
            continue
        if c in '([{':
            depth += 1
            if depth == 1:
                i += 1
                continue
        elif c in ')]}':
            depth -= 1
            if depth == 0:
                args.append(''.join(cur).strip())
                return args
        elif c == ',' and depth == 1:
            args.append(''.join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return args


def literals(arg):
    """The texts of an argument: runs of adjacent string literals (a ternary has two)."""
    texts, run = [], []
    for m in re.finditer(STRING + r'|\S', arg):
        tok = m.group(0)
        if tok.startswith('"'):
            run.append(unescape(tok))
        elif run:
            texts.append(''.join(run))
            run = []
    if run:
        texts.append(''.join(run))
    return texts


def collect():
    texts = {}      # text -> first place
    problems = []

    def add(text, where):
        texts.setdefault(text, where)

    for folder, _, files in os.walk(os.path.join(root, 'server')):
        for f in sorted(files):
            if not f.endswith('.c') or f == 'messages.c':
                continue
            path = os.path.join(folder, f)
            rel = os.path.relpath(path, root)
            with open(path, encoding='utf-8') as fh:
                src = strip_comments(fh.read())
            for m in re.finditer(r'\b([A-Za-z_]\w*)\s*\(', src):
                name = m.group(1)
                if name not in CALLS and name not in ('snprintf', 'arena_sprintf'):
                    continue
                where = '%s:%d' % (rel, src.count('\n', 0, m.start()) + 1)
                prev = src[max(0, m.start() - 40):m.start()].rstrip()
                if prev.endswith(('void', '*')) or re.search(r'\b(static|const|int|bool|char)\s*\**\s*$', prev):
                    continue    # a declaration or definition, not a call
                args = None
                if name in CALLS:
                    args = split_args(src, m.end() - 1)
                    k = CALLS[name]
                    if len(args) <= k:
                        continue
                    arg = args[k]
                    found = [] if re.sub(r'\s+', '', arg) in VARIABLES else literals(arg)
                    if name == 'field_error' and found == ['%s']:
                        arg = args[k + 1] if len(args) > k + 1 else ''
                        found = literals(arg)
                    if found:
                        for t in found:
                            add(t, where)
                    elif re.sub(r'\s+', '', arg) not in VARIABLES:
                        problems.append('%s: %s(...) sends the text "%s", which this check cannot follow; add it '
                                        'to VARIABLES in tests/check_messages.py with where its texts come from'
                                        % (where, name, arg))
                elif name in ('snprintf', 'arena_sprintf'):
                    args = split_args(src, m.end() - 1)
                    if name == 'snprintf' and args and args[0] in TEXT_BUFFERS and len(args) > 2:
                        for t in literals(args[2]):
                            if re.search('[A-Za-z]', re.sub('%[a-z]+', '', t)):   # not "%s: %s", a joint
                                add(t, where)
            # the framing check's refusals kept for later; resource names carried into "No such %s"
            for m in re.finditer(r'\*detail\s*=\s*(' + STRING + r')', src):
                add(unescape(m.group(1)), '%s:%d' % (rel, src.count('\n', 0, m.start()) + 1))
            for m in re.finditer(r'^\s*\.name = (' + STRING + r'),\s*$', src, re.M):
                add(unescape(m.group(1)), '%s:%d (a resource name)' % (rel, src.count('\n', 0, m.start()) + 1))
            for m in re.finditer(r'resource_(?:id_param|list_children)\([^;]*?,\s*(' + STRING + r')', src):
                add(unescape(m.group(1)), '%s:%d (a resource name)' % (rel, src.count('\n', 0, m.start()) + 1))

    # tables
    with open(os.path.join(root, 'server/http/problem_map.c'), encoding='utf-8') as fh:
        src = strip_comments(fh.read())
    for m in re.finditer(r'#define\s+DETAIL_\w+\s+((?:' + STRING + r'\s*\\?\s*)+)', src):
        for t in literals(m.group(1).replace('\\\n', ' ')):
            add(t, 'server/http/problem_map.c')
    table = src[src.index('sqlstate_problems[] = {'):src.index('const int sqlstate_problems_count')]
    for row in re.finditer(r'\{(' + STRING + r'),\s*DB_CONTEXT_\w+,\s*\d+,\s*PROBLEM_\w+,\s*LOG_\w+,\s*(.*?)\},', table,
                           re.S):
        for t in literals(row.group(2)):
            add(t, 'server/http/problem_map.c (%s)' % unescape(row.group(1)))
    with open(os.path.join(root, 'server/http/conflict.c'), encoding='utf-8') as fh:
        src = strip_comments(fh.read())
    table = src[src.index('rules[] = {'):src.index('};', src.index('rules[] = {'))]
    for row in re.finditer(r'\{("\w+_key"),\s*((?:' + STRING + r'\s*)+),\s*((?:' + STRING + r'\s*)+),', table):
        add(literals(row.group(2))[0], 'server/http/conflict.c (%s)' % unescape(row.group(1)))
        add(literals(row.group(3))[0], 'server/http/conflict.c (%s)' % unescape(row.group(1)))
    for m in re.finditer(r'return\s+(' + STRING + r')\s*;', src):
        add(unescape(m.group(1)), 'server/http/conflict.c')
    with open(os.path.join(root, 'common/json_strict.c'), encoding='utf-8') as fh:
        src = strip_comments(fh.read())
    for m in re.finditer(r'snprintf\(detail,\s*detail_len,\s*((?:' + STRING + r'\s*)+)', src):
        add(literals(m.group(1))[0], 'common/json_strict.c')

    # the registry's own rules, raised by the database: "field: message", data where PL/pgSQL puts %
    mig = os.path.join(root, 'migrations')
    for f in sorted(os.listdir(mig)):
        if not f.endswith('.sql'):
            continue
        with open(os.path.join(mig, f), encoding='utf-8') as fh:
            sql = fh.read()
        for m in re.finditer(r"RAISE\s+EXCEPTION\s+((?:'(?:[^']|'')*'\s*)+)(.*?);", sql, re.S):
            if "'RA422'" not in m.group(2):
                continue
            text = ''.join(s.replace("''", "'") for s in re.findall(r"'((?:[^']|'')*)'", m.group(1)))
            fm = re.match(r'(%|[a-z_]+): ', text)
            if fm:
                text = text[fm.end():]
            add(text.replace('%', '%s'), 'migrations/%s (RA422)' % f)
    return texts, problems


def catalog():
    path = os.path.join(root, 'server/http/messages.c')
    with open(path, encoding='utf-8') as fh:
        src = strip_comments(fh.read())
    known = {}
    for m in re.finditer(r'\bM\(', src):
        args = split_args(src, m.end() - 1)
        if len(args) == 3:
            en, fa = ''.join(literals(args[1])), ''.join(literals(args[2]))
            known[en] = fa
    return known


def main():
    texts, problems = collect()
    if '--list' in sys.argv:
        for t, where in sorted(texts.items(), key=lambda kv: kv[1]):
            print('%s\t%s' % (where, t))
        return 0
    known = catalog()
    missing = [(where, t) for t, where in texts.items() if not known.get(t)]
    for where, t in sorted(missing):
        problems.append('%s: no Persian for "%s" (add it to server/http/messages.c)' % (where, t))
    for p in problems:
        print(p)
    print('%d texts, %d in the catalog, %d problems' % (len(texts), len(texts) - len(missing), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
