/*
 * fuzz_messages.c - the catalog's template matching reads texts that carry data from outside (a program's name in
 * an allocation rule the database raised, a field name in a query): any text must be looked up without crashing,
 * reading past it or running long; a text it finds must translate, into any buffer without overrunning it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http/messages.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2048)
        return 0;
    if (messages_init() != 0)
        abort();
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    const message *m = message_find(text);
    char big[1024], small[12];
    if (m) {
        if (!message_fa(m, text, big, sizeof(big)) || strlen(big) >= sizeof(big))
            abort();
        if (!message_fa(m, text, small, sizeof(small)) || strlen(small) >= sizeof(small))
            abort();
    } else if (message_fa(NULL, text, big, sizeof(big)))
        abort();
    char code[64];
    if (strlen(message_code(m, text, code, sizeof(code))) >= sizeof(code))
        abort();
    free(text);
    return 0;
}
