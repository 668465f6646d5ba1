// A fixed set of worker threads for data-parallel loops (the NN engine's convolutions).
//
// run(tasks, fn, ctx) calls fn(ctx, task, worker) once for every task in [0, tasks) and returns
// when all are done. The calling thread works too (as worker 0), so a pool of size 1 starts no
// thread at all. Tasks are handed out one at a time from an atomic counter; a call allocates
// nothing. Workers spin for a short while after a run (the next layer follows within
// microseconds) and then sleep on a condition variable, so an idle pool costs no CPU.
// fn must not throw. One run() at a time: the pool belongs to one owner (a Model).
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace meiyan {

class ThreadPool {
public:
    using TaskFn = void (*)(void* ctx, int task, int worker);

    // threads >= 1 (the caller included). Throws Error(INVALID_ARGUMENT) outside 1..kMaxThreads.
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    static constexpr int kMaxThreads = 64;

    int size() const { return static_cast<int>(workers_.size()) + 1; }
    void run(int tasks, TaskFn fn, void* ctx);

    // f(task, worker) for every task; f is called through a pointer, so no std::function is made.
    template <typename F>
    void parallel_for(int tasks, F& f) {
        run(tasks, [](void* c, int t, int w) { (*static_cast<F*>(c))(t, w); }, &f);
    }

private:
    void worker_loop(int worker);
    void work(int worker);

    std::vector<std::thread> workers_;
    std::mutex mutex_;  // guards the sleep of idle workers and stop_
    std::condition_variable start_;
    std::atomic<uint64_t> generation_{0};  // bumped by run(); workers wait for a new one
    std::atomic<int> busy_{0};             // workers still inside the current generation
    bool stop_ = false;
    TaskFn fn_ = nullptr;
    void* ctx_ = nullptr;
    int tasks_ = 0;
    std::atomic<int> next_{0};
};

}  // namespace meiyan
