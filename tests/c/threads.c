/* Four threads share one handler (and so one C store): each provisions its own users and reads
 * them back, then all four race to create the same userName — exactly one wins. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "suite.h"
#include "util.h"

#define THREADS 4
#define USERS_PER_THREAD 25

typedef struct {
    const sso_scim_handler *handler;
    const char *bearer;
    pthread_barrier_t *barrier;
    int index;
    int created, read_back, found;
    unsigned race_status;
} worker;

static sso_scim_response *send_request(const worker *w, const char *method, const char *path, const char *query,
                               const char *body) {
    sso_scim_header headers[2];
    sso_scim_response *r = NULL;
    headers[0].name = "Authorization";
    headers[0].value = w->bearer;
    headers[1].name = "Content-Type";
    headers[1].value = "application/scim+json";
    if (sso_scim_handler_handle(w->handler, method, path, query, headers, 2, (const uint8_t *)body,
                                body ? strlen(body) : 0, &r, NULL) != SSO_SCIM_RESULT_OK)
        return NULL;
    return r;
}

static char *body_field(const sso_scim_response *r, const char *pointer) {
    size_t len;
    const char *body = (const char *)sso_scim_response_body(r, &len);
    cJSON *json = cJSON_ParseWithLength(body, len);
    const cJSON *at = json_pointer(json, pointer);
    char *out = NULL;
    if (cJSON_IsString(at)) out = copy_string(at->valuestring);
    if (cJSON_IsNumber(at)) out = format("%d", at->valueint);
    cJSON_Delete(json);
    return out;
}

static void *work(void *arg) {
    worker *w = (worker *)arg;
    int i;
    char *race;
    sso_scim_response *r;
    for (i = 0; i < USERS_PER_THREAD; i++) {
        char *name = format("t%d-u%d@contoso.com", w->index, i);
        char *body = format("{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"%s\"}", name);
        char *id, *path, *query, *total;
        r = send_request(w, "POST", "/Users", NULL, body);
        if (r && sso_scim_response_status(r) == 201) w->created++;
        id = r ? body_field(r, "/id") : NULL;
        sso_scim_response_free(r);
        path = format("/Users/%s", id ? id : "none");
        r = send_request(w, "GET", path, NULL, NULL);
        if (r && sso_scim_response_status(r) == 200) w->read_back++;
        sso_scim_response_free(r);
        query = format("filter=userName%%20eq%%20%%22%s%%22", name);
        r = send_request(w, "GET", "/Users", query, NULL);
        total = r ? body_field(r, "/totalResults") : NULL;
        if (total && strcmp(total, "1") == 0) w->found++;
        sso_scim_response_free(r);
        free(total);
        free(query);
        free(path);
        free(id);
        free(body);
        free(name);
    }
    race = copy_string("{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"shared@contoso.com\"}");
    pthread_barrier_wait(w->barrier);
    r = send_request(w, "POST", "/Users", NULL, race);
    w->race_status = r ? sso_scim_response_status(r) : 0;
    sso_scim_response_free(r);
    free(race);
    return NULL;
}

void run_thread_tests(void) {
    mem_store *store = mem_store_new();
    cJSON *ws = cJSON_Parse("{\"id\":\"ws-t\",\"name\":\"Threads\",\"default_role\":\"Project Manager\"}");
    char *token = NULL, *hash = NULL, *bearer, *total;
    sso_scim_store vtable;
    sso_scim_handler *handler = NULL;
    pthread_t threads[THREADS];
    worker workers[THREADS];
    pthread_barrier_t barrier;
    int i, wins = 0, conflicts = 0;
    sso_scim_response *r;
    sso_scim_generate_token(&token, &hash, NULL);
    mem_store_add_token(store, hash, ws);
    cJSON_Delete(ws);
    bearer = format("Bearer %s", token);
    vtable = mem_store_vtable(store, 1);
    check(sso_scim_handler_new(&vtable, NULL, &handler, NULL) == SSO_SCIM_RESULT_OK, "threads: handler");
    pthread_barrier_init(&barrier, NULL, THREADS);
    for (i = 0; i < THREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].handler = handler;
        workers[i].bearer = bearer;
        workers[i].barrier = &barrier;
        workers[i].index = i;
        check(pthread_create(&threads[i], NULL, work, &workers[i]) == 0, "threads: start %d", i);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
        check(workers[i].created == USERS_PER_THREAD && workers[i].read_back == USERS_PER_THREAD &&
                  workers[i].found == USERS_PER_THREAD,
              "thread %d: %d created, %d read back, %d found by filter", i, workers[i].created, workers[i].read_back,
              workers[i].found);
        if (workers[i].race_status == 201) wins++;
        if (workers[i].race_status == 409) conflicts++;
    }
    check(wins == 1 && conflicts == THREADS - 1, "the race for one userName: %d created, %d conflicts", wins, conflicts);
    workers[0].handler = handler;
    r = send_request(&workers[0], "GET", "/Users", "count=1", NULL);
    total = r ? body_field(r, "/totalResults") : NULL;
    check(total && atoi(total) == THREADS * USERS_PER_THREAD + 1, "threads: %s users in the store", total);
    free(total);
    sso_scim_response_free(r);
    pthread_barrier_destroy(&barrier);
    sso_scim_handler_free(handler);
    sso_scim_string_free(token);
    sso_scim_string_free(hash);
    free(bearer);
    printf("Threads: %d threads x %d users on one handler\n", THREADS, USERS_PER_THREAD);
}
