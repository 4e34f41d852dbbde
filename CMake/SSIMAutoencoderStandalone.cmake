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

# A CMake package, so that other projects build on the module with find_package(SSIMAutoencoder): from an install
# prefix (CMAKE_PREFIX_PATH) or from this build tree (SSIMAutoencoder_DIR=<build>). It finds the same ITK
# components again and provides the imported target SSIMAutoencoder::SSIMAutoencoder; LibTorch stays private to
# the shared library, so users need neither its headers nor its CMake package.
include(CMakePackageConfigHelpers)
set(SSIMAutoencoder_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/SSIMAutoencoder)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/SSIMAutoencoderConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/SSIMAutoencoderConfig.cmake.in
  ${PROJECT_BINARY_DIR}/SSIMAutoencoderConfig.cmake
  INSTALL_DESTINATION ${SSIMAutoencoder_INSTALL_CMAKEDIR})
export(EXPORT SSIMAutoencoderTargets NAMESPACE SSIMAutoencoder::
  FILE ${PROJECT_BINARY_DIR}/SSIMAutoencoderTargets.cmake)
install(EXPORT SSIMAutoencoderTargets NAMESPACE SSIMAutoencoder:: DESTINATION ${SSIMAutoencoder_INSTALL_CMAKEDIR})
install(FILES ${PROJECT_BINARY_DIR}/SSIMAutoencoderConfig.cmake ${PROJECT_BINARY_DIR}/SSIMAutoencoderConfigVersion.cmake
  DESTINATION ${SSIMAutoencoder_INSTALL_CMAKEDIR})
