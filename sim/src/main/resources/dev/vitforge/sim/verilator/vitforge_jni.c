/*
 * JNI glue between NativeBridge and Verilator model libraries. Each model .so is
 * opened RTLD_LOCAL: with RTLD_GLOBAL the first model's Verilator symbols would
 * win and a second design would silently compute the first one's answers.
 * Java holds two kinds of handles as longs: a Lib* per loaded model and an Inst*
 * per simulation instance, which points back at its Lib's function table.
 */
#include <dlfcn.h>
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    void *dl;
    int (*abi_version)(void);
    int (*num_ports)(void);
    int (*num_streams)(void);
    int (*traced)(void);
    void *(*create)(const char *);
    void (*destroy)(void *);
    void (*poke)(void *, int, uint64_t);
    uint64_t (*peek)(void *, int);
    void (*poke_words)(void *, int, const uint32_t *);
    void (*peek_words)(void *, int, uint32_t *);
    void (*eval)(void *);
    void (*step)(void *, int64_t);
    uint64_t (*cycles)(void *);
    void (*push)(void *, int, const uint32_t *, const uint8_t *, int);
    void (*expect)(void *, int, int64_t);
    void (*backpressure)(void *, uint64_t, int, int);
    int64_t (*run)(void *, int, int64_t);
    int64_t (*available)(void *, int);
    int (*pop)(void *, int, uint32_t *, uint8_t *, int);
} Lib;

typedef struct {
    const Lib *lib;
    void *h;
} Inst;

#define L(p) ((Lib *)(intptr_t)(p))
#define I(p) ((Inst *)(intptr_t)(p))

static void throw_msg(JNIEnv *env, const char *msg) {
    jclass c = (*env)->FindClass(env, "java/lang/IllegalStateException");
    if (c) (*env)->ThrowNew(env, c, msg);
}

#define RESOLVE(field, name)                                            \
    do {                                                                \
        *(void **)(&lib->field) = dlsym(dl, name);                      \
        if (!lib->field) { missing = name; goto fail; }                 \
    } while (0)

JNIEXPORT jlong JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_open(JNIEnv *env, jclass cls, jstring path) {
    (void)cls;
    const char *p = (*env)->GetStringUTFChars(env, path, NULL);
    if (!p) return 0;
    void *dl = dlopen(p, RTLD_NOW | RTLD_LOCAL);
    (*env)->ReleaseStringUTFChars(env, path, p);
    if (!dl) { throw_msg(env, dlerror()); return 0; }
    Lib *lib = calloc(1, sizeof(Lib));
    const char *missing = NULL;
    lib->dl = dl;
    RESOLVE(abi_version, "vf_abi_version");
    RESOLVE(num_ports, "vf_num_ports");
    RESOLVE(num_streams, "vf_num_streams");
    RESOLVE(traced, "vf_traced");
    RESOLVE(create, "vf_create");
    RESOLVE(destroy, "vf_destroy");
    RESOLVE(poke, "vf_poke");
    RESOLVE(peek, "vf_peek");
    RESOLVE(poke_words, "vf_poke_words");
    RESOLVE(peek_words, "vf_peek_words");
    RESOLVE(eval, "vf_eval");
    RESOLVE(step, "vf_step");
    RESOLVE(cycles, "vf_cycles");
    RESOLVE(push, "vf_push");
    RESOLVE(expect, "vf_expect");
    RESOLVE(backpressure, "vf_backpressure");
    RESOLVE(run, "vf_run");
    RESOLVE(available, "vf_available");
    RESOLVE(pop, "vf_pop");
    return (jlong)(intptr_t)lib;
fail: {
        char buf[256];
        snprintf(buf, sizeof buf, "model library lacks symbol %s", missing);
        free(lib);
        dlclose(dl);
        throw_msg(env, buf);
        return 0;
    }
}

/* info: 0 = ABI version, 1 = port count, 2 = stream count, 3 = traced. */
JNIEXPORT jint JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_info(JNIEnv *env, jclass c, jlong lib, jint what) {
    (void)env; (void)c;
    switch (what) {
        case 0: return L(lib)->abi_version();
        case 1: return L(lib)->num_ports();
        case 2: return L(lib)->num_streams();
        default: return L(lib)->traced();
    }
}

JNIEXPORT jlong JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_create(JNIEnv *env, jclass c, jlong lib, jstring fst) {
    (void)c;
    const char *p = fst ? (*env)->GetStringUTFChars(env, fst, NULL) : NULL;
    if (fst && !p) return 0;
    Inst *in = malloc(sizeof(Inst));
    in->lib = L(lib);
    in->h = in->lib->create(p);
    if (p) (*env)->ReleaseStringUTFChars(env, fst, p);
    return (jlong)(intptr_t)in;
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_destroy(JNIEnv *env, jclass c, jlong h) {
    (void)env; (void)c;
    I(h)->lib->destroy(I(h)->h);
    free(I(h));
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_poke(JNIEnv *env, jclass c, jlong h, jint port, jlong v) {
    (void)env; (void)c;
    I(h)->lib->poke(I(h)->h, port, (uint64_t)v);
}

JNIEXPORT jlong JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_peek(JNIEnv *env, jclass c, jlong h, jint port) {
    (void)env; (void)c;
    return (jlong)I(h)->lib->peek(I(h)->h, port);
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_pokeWords(JNIEnv *env, jclass c, jlong h, jint port, jintArray w) {
    (void)c;
    jint *p = (*env)->GetPrimitiveArrayCritical(env, w, NULL);
    if (!p) return;
    I(h)->lib->poke_words(I(h)->h, port, (const uint32_t *)p);
    (*env)->ReleasePrimitiveArrayCritical(env, w, p, JNI_ABORT);
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_peekWords(JNIEnv *env, jclass c, jlong h, jint port, jintArray w) {
    (void)c;
    jint *p = (*env)->GetPrimitiveArrayCritical(env, w, NULL);
    if (!p) return;
    I(h)->lib->peek_words(I(h)->h, port, (uint32_t *)p);
    (*env)->ReleasePrimitiveArrayCritical(env, w, p, 0);
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_eval(JNIEnv *env, jclass c, jlong h) {
    (void)env; (void)c;
    I(h)->lib->eval(I(h)->h);
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_step(JNIEnv *env, jclass c, jlong h, jlong n) {
    (void)env; (void)c;
    I(h)->lib->step(I(h)->h, n);
}

JNIEXPORT jlong JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_cycles(JNIEnv *env, jclass c, jlong h) {
    (void)env; (void)c;
    return (jlong)I(h)->lib->cycles(I(h)->h);
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_push(JNIEnv *env, jclass c, jlong h, jint s, jintArray words, jbooleanArray last, jint beats) {
    (void)c;
    jint *w = (*env)->GetPrimitiveArrayCritical(env, words, NULL);
    if (!w) return;
    jboolean *l = (*env)->GetPrimitiveArrayCritical(env, last, NULL);
    if (l) {
        I(h)->lib->push(I(h)->h, s, (const uint32_t *)w, (const uint8_t *)l, beats);
        (*env)->ReleasePrimitiveArrayCritical(env, last, l, JNI_ABORT);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, words, w, JNI_ABORT);
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_expect(JNIEnv *env, jclass c, jlong h, jint s, jlong beats) {
    (void)env; (void)c;
    I(h)->lib->expect(I(h)->h, s, beats);
}

JNIEXPORT void JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_backpressure(JNIEnv *env, jclass c, jlong h, jlong seed, jint v, jint r) {
    (void)env; (void)c;
    I(h)->lib->backpressure(I(h)->h, (uint64_t)seed, v, r);
}

JNIEXPORT jlong JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_run(JNIEnv *env, jclass c, jlong h, jint done, jlong budget) {
    (void)env; (void)c;
    return I(h)->lib->run(I(h)->h, done, budget);
}

JNIEXPORT jlong JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_available(JNIEnv *env, jclass c, jlong h, jint s) {
    (void)env; (void)c;
    return I(h)->lib->available(I(h)->h, s);
}

JNIEXPORT jint JNICALL Java_dev_vitforge_sim_verilator_NativeBridge_pop(JNIEnv *env, jclass c, jlong h, jint s, jintArray words, jbooleanArray last, jint max) {
    (void)c;
    jint *w = (*env)->GetPrimitiveArrayCritical(env, words, NULL);
    if (!w) return 0;
    jboolean *l = (*env)->GetPrimitiveArrayCritical(env, last, NULL);
    int n = 0;
    if (l) {
        n = I(h)->lib->pop(I(h)->h, s, (uint32_t *)w, (uint8_t *)l, max);
        (*env)->ReleasePrimitiveArrayCritical(env, last, l, 0);
    }
    (*env)->ReleasePrimitiveArrayCritical(env, words, w, 0);
    return n;
}
