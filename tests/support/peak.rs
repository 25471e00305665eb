//! Memory and time bounds for the resource-limit tests (`crates/*/tests/limits.rs`).
//!
//! A limit test proves that a hostile input is refused in bounded memory, so it needs to see how
//! much memory the refusal took. [`Counting`] is a global allocator that keeps, per thread, the
//! bytes currently held and the most held since [`measure`] began; tests run on threads of their
//! own, so one test's allocations do not show in another's figure. Include it with
//! `#[path = "../../../tests/support/peak.rs"] mod peak;` and install it with
//! `#[global_allocator] static A: peak::Counting = peak::Counting;`.
//!
//! The time bound is a generous one that catches a hang or a blow-up, never a benchmark.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Counts each thread's live and peak heap bytes; allocates with the system allocator.
pub struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    // `try_with`: an allocation during thread teardown is simply not counted.
    let _ = LIVE.try_with(|l| {
        let now = l.get() + delta;
        l.set(now);
        let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to `System`; the counters touch no heap memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        // SAFETY: the caller's contract is passed on as is.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        account(layout.size() as isize);
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        account(-(layout.size() as isize));
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        account(new_size as isize - layout.size() as isize);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What running `f` cost: its result, the most heap it held above what the thread held before,
/// and the wall time.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, Duration) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    let peak = PEAK.with(Cell::get) - base;
    (out, peak.max(0) as usize, took)
}

/// The memory bound every limit test holds a refusal to: far above what refusing needs, far
/// below what the hostile inputs would take without their limit.
pub const MEMORY_BOUND: usize = 96 << 20;

/// The time bound: catches a hang, never measures speed.
pub const TIME_BOUND: Duration = Duration::from_secs(10);

/// Run `f` and require it to stay within [`MEMORY_BOUND`] and [`TIME_BOUND`]; returns its result.
#[track_caller]
pub fn bounded<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let (out, peak, took) = measure(f);
    assert!(peak < MEMORY_BOUND, "{what}: held {} MiB (bound {} MiB)", peak >> 20, MEMORY_BOUND >> 20);
    assert!(took < TIME_BOUND, "{what}: took {took:?} (bound {TIME_BOUND:?})");
    out
}
