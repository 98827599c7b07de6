#include <gtest/gtest.h>
TEST(CliE2e, Placeholder) {}
