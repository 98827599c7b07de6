# kubemonitor_module(<name> SOURCES ... DEPS ... [TEST_SOURCES ...] [TEST_DEPS ...] [TEST_LABELS ...])
# One module = one library target kubemonitor::<name> + one GoogleTest binary <name>_test (DESIGN rule 7).
function(kubemonitor_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TEST_SOURCES;TEST_DEPS;TEST_LABELS" ${ARGN})
  add_library(kubemonitor_${name} STATIC ${M_SOURCES})
  add_library(kubemonitor::${name} ALIAS kubemonitor_${name})
  target_include_directories(kubemonitor_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kubemonitor_${name} PUBLIC ${M_DEPS})
  if(KUBEMONITOR_BUILD_TESTS AND M_TEST_SOURCES)
    add_executable(${name}_test ${M_TEST_SOURCES})
    target_link_libraries(${name}_test PRIVATE kubemonitor::${name} ${M_TEST_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    set_target_properties(${name}_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name}_test COMMAND ${name}_test)
    set_tests_properties(${name}_test PROPERTIES
      ENVIRONMENT "KUBEMONITOR_SOURCE_DIR=${PROJECT_SOURCE_DIR};KUBEMONITOR_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
      LABELS "unit;${M_TEST_LABELS}")
  endif()
endfunction()

# A test-double library (DESIGN rule 4): kubemonitor::<name>_testing.
function(kubemonitor_testing_library name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kubemonitor_${name}_testing STATIC ${M_SOURCES})
  add_library(kubemonitor::${name}_testing ALIAS kubemonitor_${name}_testing)
  target_include_directories(kubemonitor_${name}_testing PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kubemonitor_${name}_testing PUBLIC ${M_DEPS})
endfunction()
