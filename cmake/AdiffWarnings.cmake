# adiff_warnings: the project's own warning set (not exported to users).
add_library(adiff_warnings INTERFACE)
target_compile_options(adiff_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter -Werror=switch)
