// The actor tests' entry point: CAF's own unit test runner (caf-test), for
// the suites in this folder, which use its deterministic test coordinator.
#include <caf/test/unit_test_impl.hpp>
