# The module description is the first paragraph of README.md.
get_filename_component(MY_CURRENT_DIR "${CMAKE_CURRENT_LIST_FILE}" PATH)
file(READ "${MY_CURRENT_DIR}/README.md" DOCUMENTATION)

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
