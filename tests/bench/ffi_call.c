/* ffi dispatch overhead: a direct call through a function pointer, the same
 * call through libffi with the cif prepared once (what hp_dispatch_call
 * does per call), and the whole hp_dispatch_call path (op lookup, strict
 * string conversion, cached cif).  Prints ns per call and the ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ffi.h>
#include "engine/ctx.h"
#include "engine/dispatch.h"
#include "engine/loader.h"
#include "benchrow.h"

static int sum(void *st, int a, int b)
{
    (void)st;
    return a + b;
}

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int (*volatile direct)(void *, int, int) = sum;

static double bench_direct(long n)
{
    volatile int sink = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        sink += direct(NULL, (int)i, 1);
    return (now_ns() - t0) / n;
}

static double bench_ffi(long n)
{
    ffi_cif cif;
    ffi_type *types[] = { &ffi_type_pointer, &ffi_type_sint, &ffi_type_sint };
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_sint, types) != FFI_OK)
        exit(1);
    void *st = NULL;
    int a = 0, b = 1;
    void *vals[] = { &st, &a, &b };
    ffi_arg r;
    volatile int sink = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        a = (int)i;
        ffi_call(&cif, FFI_FN(direct), &r, vals);
        sink += (int)r;
    }
    return (now_ns() - t0) / n;
}

static double bench_dispatch(long n)
{
    static const hp_extra_op extra[] = {
        { "sum", (int (*)(void))(void (*)(void))sum, "ii", HP_TASK_SETTINGS },
    };
    static hp_loaded plugin;
    hp_ctx c = { 0 };
    plugin.dl = &plugin;                 /* the cache key; nothing dlopen'ed */
    plugin.desc.name = "bench";
    plugin.desc.extra_ops = extra;
    plugin.desc.n_extra_ops = 1;
    c.active = &plugin;
    const char *args[] = { "20", "22" };
    hp_err e = HP_ERR_INIT;
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (hp_dispatch_call(&c, "sum", 2, args, NULL, &e) != 42)
            exit(2);
    return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 2000000;
    bench_direct(n / 10);                /* warm up */
    double d = bench_direct(n), f = bench_ffi(n), h = bench_dispatch(n / 4);
    printf("   direct call           %8.1f ns\n", d);
    printf("   ffi_call, cached cif  %8.1f ns  (%.1fx direct, +%.1f ns; aim < 200 ns)\n",
           f, f / d, f - d);
    printf("   hp_dispatch_call      %8.1f ns  (lookup + string conversion + ffi)\n",
           h);
    printf("   cifs prepared: %zu (one per op, reused by every call)\n",
           hp_dispatch_cifs_prepared());
    bench_row("ffi", "ffi_call, cached cif", f, "ns", "direct call", d, f / d,
              "");
    bench_row("ffi", "hp_dispatch_call", h, "ns", "direct call", d, h / d,
              "");
    return 0;
}
