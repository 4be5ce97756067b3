# Installs headers, the exported adiff::ad target and a versioned package config, so that
# consumers can `find_package(adiff REQUIRED)` and link `adiff::ad`.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/ad ${PROJECT_SOURCE_DIR}/ops
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/adiff
        FILES_MATCHING PATTERN "*.hpp")
install(TARGETS adiff_ad ${ADIFF_EXTRA_INSTALL_TARGETS} EXPORT adiffTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT adiffTargets NAMESPACE adiff:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/adiff)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/adiffConfig.cmake.in
  ${PROJECT_BINARY_DIR}/adiffConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/adiff)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/adiffConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/adiffConfig.cmake ${PROJECT_BINARY_DIR}/adiffConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/adiff)
