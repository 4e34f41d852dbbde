// Forced include (-include) for building against Debian's ITK 5.2 with clang: that package's
// itk_compiler_detection.h was generated for GCC only and stops any other compiler with "Unsupported compiler".
// It is read here once as GCC 12 would read it (clang 14 has every C++ feature that header then reports), and
// clang's own macros are restored afterwards. Used by scripts/build_variants.sh only.
#if __has_include(<itk_compiler_detection.h>) // not on the include path in CMake's compiler checks
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wbuiltin-macro-redefined"
#pragma push_macro("__clang__")
#pragma push_macro("__GNUC__")
#pragma push_macro("__GNUC_MINOR__")
#undef __clang__
#undef __GNUC__
#undef __GNUC_MINOR__
#define __GNUC__ 12
#define __GNUC_MINOR__ 2
#include <itk_compiler_detection.h>
#pragma pop_macro("__GNUC_MINOR__")
#pragma pop_macro("__GNUC__")
#pragma pop_macro("__clang__")
#pragma clang diagnostic pop
#endif
