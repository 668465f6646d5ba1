#include "core/thread_pool.h"

#include <chrono>
#include <string>

#include "core/error.h"

namespace meiyan {

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// How long an idle worker spins before it sleeps: longer than the gap between two layers of a
// model, far shorter than the gap between two camera frames.
constexpr auto kSpin = std::chrono::microseconds(200);

}  // namespace

ThreadPool::ThreadPool(int threads) {
    if (threads < 1 || threads > kMaxThreads) {
        fail(MEIYAN_ERROR_INVALID_ARGUMENT,
             "thread count must be in 1.." + std::to_string(kMaxThreads) + ", got " + std::to_string(threads));
    }
    workers_.reserve(static_cast<size_t>(threads - 1));
    for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    start_.notify_all();
    for (std::thread& t : workers_) t.join();
}

void ThreadPool::work(int worker) {
    for (;;) {
        const int t = next_.fetch_add(1, std::memory_order_relaxed);
        if (t >= tasks_) return;
        fn_(ctx_, t, worker);
    }
}

void ThreadPool::run(int tasks, TaskFn fn, void* ctx) {
    if (tasks <= 0) return;
    if (workers_.empty() || tasks == 1) {
        for (int t = 0; t < tasks; ++t) fn(ctx, t, 0);
        return;
    }
    fn_ = fn;
    ctx_ = ctx;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    busy_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    {
        // under the lock, so that a worker about to sleep cannot miss the new generation
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.fetch_add(1, std::memory_order_release);
    }
    start_.notify_all();
    work(0);
    // The workers are at most one task behind the caller: wait for them by spinning.
    while (busy_.load(std::memory_order_acquire) != 0) cpu_relax();
}

void ThreadPool::worker_loop(int worker) {
    uint64_t seen = 0;
    for (;;) {
        bool woke = false;
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 1; !woke; ++i) {
            woke = generation_.load(std::memory_order_acquire) != seen;
            if (!woke && i % 64 == 0 && std::chrono::steady_clock::now() - t0 > kSpin) break;
            cpu_relax();
        }
        if (!woke) {
            std::unique_lock<std::mutex> lock(mutex_);
            start_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
            if (stop_) return;
        }
        seen = generation_.load(std::memory_order_acquire);
        work(worker);
        busy_.fetch_sub(1, std::memory_order_release);
    }
}

}  // namespace meiyan
