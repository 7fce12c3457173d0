// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), as
// LevelDB's port/thread_annotations.h: under clang with -Wthread-safety (the fuzz build), an
// access to a GUARDED_BY member without its mutex, or a call to a REQUIRES function without it,
// fails to compile. Under other compilers they expand to nothing.
#pragma once

#if defined(__clang__)
#define OPCHAT_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define OPCHAT_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) OPCHAT_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY OPCHAT_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) OPCHAT_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) OPCHAT_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) OPCHAT_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) OPCHAT_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) OPCHAT_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) OPCHAT_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) OPCHAT_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS OPCHAT_THREAD_ANNOTATION(no_thread_safety_analysis)
