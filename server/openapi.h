/* openapi.h - the OpenAPI 3.1 description, generated once at start from the route table. */
#ifndef REGISTRY_OPENAPI_H
#define REGISTRY_OPENAPI_H

#include <stddef.h>

void openapi_build(void);
const char *openapi_document(size_t *len);

#endif
