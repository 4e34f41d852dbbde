# Plain CMake build of the module for ITK installations that do not ship ITKModuleExternal.cmake
# (Debian's libinsighttoolkit5-dev). It produces the same library, export header, tests and programs.
include(GNUInstallDirs)
include(GenerateExportHeader)

set(SSIMAutoencoder_ITK_COMPONENTS
  ITKCommon
  ITKIOImageBase
  ITKIOPNG
  ITKIOJPEG
  ITKIOTIFF
  ITKIOMeta
  ITKIONRRD
  ITKIONIFTI
  ITKIOBMP
  ITKIOVTK
  ITKConnectedComponents
  )
find_package(ITK 5.2 REQUIRED COMPONENTS ${SSIMAutoencoder_ITK_COMPONENTS})
include(${ITK_USE_FILE})

set(SSIMAutoencoder_INCLUDE_DIRS ${CMAKE_CURRENT_SOURCE_DIR}/include ${CMAKE_CURRENT_BINARY_DIR}/include)
add_subdirectory(src)

include(CTest)
if(BUILD_TESTING)
  add_subdirectory(test)
endif()

install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/SSIMAutoencoder)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/include/SSIMAutoencoderExport.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/SSIMAutoencoder)
