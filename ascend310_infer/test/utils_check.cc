// utils_check ROOT RESULT_DIR: lists ROOT's images as main would and writes, for each, a 4-byte result
// named as main names it; prints "<image>\t<stem>" lines. Lets the tests check the C++ naming against
// postprocess.py without an Ascend device.
#include <cstdint>
#include <iostream>

#include "inc/utils.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    std::cerr << "Usage: utils_check ROOT RESULT_DIR" << std::endl;
    return 2;
  }
  const uint32_t marker = 0;
  for (const std::string &image : ListImages(argv[1])) {
    std::string stem = ResultStem(argv[1], image);
    if (WriteResult(argv[2], stem, 0, &marker, sizeof(marker)) != 0) {
      return 1;
    }
    std::cout << image << "\t" << stem << std::endl;
  }
  return WriteOutputInfo(argv[2], "float32", {24, 1, 37});
}
