# The module description is the first paragraph of README.md (semicolons replaced: CMake would split it there).
get_filename_component(MY_CURRENT_DIR "${CMAKE_CURRENT_LIST_FILE}" PATH)
file(READ "${MY_CURRENT_DIR}/README.md" _ssimae_readme)
string(REGEX MATCH "\n\n[^\n]+(\n[^\n]+)*" DOCUMENTATION "${_ssimae_readme}")
string(STRIP "${DOCUMENTATION}" DOCUMENTATION)
string(REPLACE ";" "," DOCUMENTATION "${DOCUMENTATION}")
itk_module(SSIMAutoencoder
  DEPENDS
    ITKCommon
  PRIVATE_DEPENDS
    ITKIOImageBase
  TEST_DEPENDS
    ITKGoogleTest
    ITKIOPNG
    ITKIOMeta
    ITKIONRRD
  DESCRIPTION
    "${DOCUMENTATION}"
  EXCLUDE_FROM_DEFAULT
  ENABLE_SHARED
  )
