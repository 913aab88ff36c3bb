// Baseline for SpeedBench: drives a vitforge model library through its C ABI from
// plain C++, doing exactly the work the Java bench does through SimInstance, so the
// difference between the two is what the Java/JNI bridge costs.
//
// usage: cpp_loop_bench LIB N RST_N IN_TDATA IN_TVALID OUT_TDATA OUT_TREADY IN_STREAM OUT_STREAM
//   ports and streams are indices as the Java model numbers them.
// The process stays up and runs one repetition per "rep" line on stdin, answering with
// "key value..." records and a closing "end" line. SpeedBench alternates these with its
// own Java repetitions, so both sides are warm, long-lived processes that see the same
// load from whatever else runs on the machine.
#include <dlfcn.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

struct Api {
    void* (*create)(const char*);
    void (*destroy)(void*);
    void (*poke)(void*, int, uint64_t);
    uint64_t (*peek)(void*, int);
    void (*step)(void*, int64_t);
    void (*push)(void*, int, const uint32_t*, const uint8_t*, int);
    void (*expect)(void*, int, int64_t);
    void (*backpressure)(void*, uint64_t, int, int);
    int64_t (*run)(void*, int, int64_t);
    int64_t (*available)(void*, int);
    int (*pop)(void*, int, uint32_t*, uint8_t*, int);
};

template <typename F>
void resolve(void* dl, F& fn, const char* name) {
    *reinterpret_cast<void**>(&fn) = dlsym(dl, name);
    if (!fn) { std::fprintf(stderr, "missing symbol %s\n", name); std::exit(2); }
}

using Clock = std::chrono::steady_clock;

int64_t ns(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

// java.util.Random(seed).nextInt(1 << 16), so both sides push identical beats;
// the Java side checks this by comparing the input hash.
struct JavaRandom {
    uint64_t seed;
    explicit JavaRandom(int64_t s) : seed((static_cast<uint64_t>(s) ^ 0x5DEECE66DULL) & ((1ULL << 48) - 1)) {}
    int next(int bits) {
        seed = (seed * 0x5DEECE66DULL + 0xBULL) & ((1ULL << 48) - 1);
        return static_cast<int>(static_cast<int64_t>(seed) >> (48 - bits));
    }
    int nextIntPow2(int bound) { return static_cast<int>((static_cast<int64_t>(bound) * next(31)) >> 31); }
};

// Same polynomial hash as SpeedBench.hash, over unsigned 32-bit words.
uint64_t hash(const uint32_t* w, size_t n) {
    uint64_t h = 1;
    for (size_t i = 0; i < n; ++i) h = h * 31 + w[i];
    return h;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 10) { std::fprintf(stderr, "usage: %s LIB N RST_N IN_TDATA IN_TVALID OUT_TDATA OUT_TREADY IN OUT\n", argv[0]); return 2; }
    const char* lib = argv[1];
    const int n = std::atoi(argv[2]);
    const int rstN = std::atoi(argv[3]), inData = std::atoi(argv[4]), inValid = std::atoi(argv[5]);
    const int outData = std::atoi(argv[6]), outReady = std::atoi(argv[7]);
    const int inStream = std::atoi(argv[8]), outStream = std::atoi(argv[9]);

    // RTLD_LOCAL as the JNI glue does, so the model sees the same symbol binding.
    void* dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!dl) { std::fprintf(stderr, "dlopen: %s\n", dlerror()); return 2; }
    Api a{};
    resolve(dl, a.create, "vf_create");
    resolve(dl, a.destroy, "vf_destroy");
    resolve(dl, a.poke, "vf_poke");
    resolve(dl, a.peek, "vf_peek");
    resolve(dl, a.step, "vf_step");
    resolve(dl, a.push, "vf_push");
    resolve(dl, a.expect, "vf_expect");
    resolve(dl, a.backpressure, "vf_backpressure");
    resolve(dl, a.run, "vf_run");
    resolve(dl, a.available, "vf_available");
    resolve(dl, a.pop, "vf_pop");

    // The beats SpeedBench pushes, generated here rather than passed in.
    std::vector<uint32_t> beats(n);
    JavaRandom rnd(1);
    for (int i = 0; i < n; ++i) beats[i] = static_cast<uint32_t>(rnd.nextIntPow2(1 << 16));
    // SimInstance.push(stream, long[]) marks only the final beat last.
    std::vector<uint8_t> last(n, 0);
    if (n > 0) last[n - 1] = 1;
    std::printf("inhash %llu\n", static_cast<unsigned long long>(hash(beats.data(), beats.size())));

    char cmd[64];
    while (std::fgets(cmd, sizeof cmd, stdin)) {
        // ---- per-cycle: poke + step(1) + peek, as SpeedBench's first loop ----
        {
            void* h = a.create(nullptr);
            a.poke(h, rstN, 0); a.step(h, 1); a.poke(h, rstN, 1);  // SimInstance.reset(1)
            a.poke(h, outReady, 1);
            a.poke(h, inValid, 1);
            uint64_t sink = 0;  // keeps the peeks observable
            auto t0 = Clock::now();
            for (int i = 0; i < n; ++i) {
                a.poke(h, inData, static_cast<uint64_t>(i));
                a.step(h, 1);
                sink += a.peek(h, outData);
            }
            auto t1 = Clock::now();
            std::printf("step1 %d %lld %llu\n", n, static_cast<long long>(ns(t0, t1)), static_cast<unsigned long long>(sink));
            auto t2 = Clock::now();
            a.step(h, 10000000);
            auto t3 = Clock::now();
            std::printf("stepbulk %d %lld\n", 10000000, static_cast<long long>(ns(t2, t3)));
            a.destroy(h);
        }

        // ---- transaction level: push, expect, run, pop on one instance, as in Java ----
        void* h = a.create(nullptr);
        a.poke(h, rstN, 0); a.step(h, 1); a.poke(h, rstN, 1);
        // Round 0 is the warm-up, as in Java; then one round per percentage.
        const std::vector<int> pcts{100, 100, 70};
        for (size_t round = 0; round < pcts.size(); ++round) {
            int pct = pcts[round];
            a.backpressure(h, 42, pct, pct);
            auto t0 = Clock::now();
            a.push(h, inStream, beats.data(), last.data(), n);
            a.expect(h, outStream, n);
            auto t1 = Clock::now();
            int64_t cycles = a.run(h, -1, 10LL * n);
            auto t2 = Clock::now();
            // Java's pop allocates its result arrays, so this one does too.
            int64_t avail = a.available(h, outStream);
            std::vector<uint32_t> out(static_cast<size_t>(avail));
            std::vector<uint8_t> outLast(static_cast<size_t>(avail));
            int got = a.pop(h, outStream, out.data(), outLast.data(), static_cast<int>(avail));
            auto t3 = Clock::now();
            int lasts = 0;
            for (int i = 0; i < got; ++i) lasts += outLast[i];
            std::printf("round %zu %d %lld %lld %lld %lld %d %llu %d\n", round, pct, static_cast<long long>(cycles),
                        static_cast<long long>(ns(t0, t1)), static_cast<long long>(ns(t1, t2)),
                        static_cast<long long>(ns(t2, t3)), got,
                        static_cast<unsigned long long>(hash(out.data(), static_cast<size_t>(got))), lasts);
        }
        a.destroy(h);
        std::printf("end\n");
        std::fflush(stdout);
    }
    return 0;
}
