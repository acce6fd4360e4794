#!/usr/bin/env python3
"""No include cycles among server/'s modules (a module is a .c and its .h): the request core's layers point one way
(server/http/request.h says which). Prints each cycle found and exits 1; exits 0 when there is none."""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
include = re.compile(r'^\s*#\s*include\s+"(server/[^"]+)\.h"', re.M)
# Files that are one module in two: describe.c is the resource engine's start-up half (it derives a struct resource
# from the resource's description, which resource.c then serves), so they may include each other.
same_module = {'server/http/describe': 'server/http/resource'}
deps = {}
for folder, _, files in os.walk(os.path.join(root, 'server')):
    for f in files:
        if not f.endswith(('.c', '.h')):
            continue
        path = os.path.join(folder, f)
        module = os.path.relpath(path, root)[:-2]
        module = same_module.get(module, module)
        with open(path, encoding='utf-8') as fh:
            deps.setdefault(module, set()).update(
                m for m in (same_module.get(i, i) for i in include.findall(fh.read())) if m != module)
cycles = []
state = {}


def visit(m, stack):
    state[m] = 1
    stack.append(m)
    for d in sorted(deps.get(m, ())):
        if state.get(d) == 1:
            cycles.append(stack[stack.index(d):] + [d])
        elif d not in state:
            visit(d, stack)
    stack.pop()
    state[m] = 2


for m in sorted(deps):
    if m not in state:
        visit(m, [])
for c in cycles:
    print('include cycle: ' + ' -> '.join(c))
print('modules: %d, cycles: %d' % (len(deps), len(cycles)))
sys.exit(1 if cycles else 0)
