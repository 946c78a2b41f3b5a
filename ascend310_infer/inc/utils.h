// File handling of the 310 inference program, free of MindSpore so it can be built and tested anywhere.
#ifndef CRNN_ASCEND310_INFER_INC_UTILS_H_
#define CRNN_ASCEND310_INFER_INC_UTILS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Image files (.jpg .jpeg .png .bmp, any case) under root, searched recursively, sorted.
std::vector<std::string> ListImages(const std::string &root);

// The image's path relative to root without its last extension: "sub/a.b.png" -> "sub/a.b".
// (The zoo cut the name at the first '.', so "Ltd._3.png" and "Ltd._4.png" collided.)
std::string ResultStem(const std::string &root, const std::string &image);

// Writes <result_dir>/<stem>_<index>.bin (creating sub-folders) through a temporary file and a
// rename, so an interrupted run never leaves a truncated result under a final name. 0 on success.
int WriteResult(const std::string &result_dir, const std::string &stem, size_t index, const void *data,
                size_t size);

// Writes <result_dir>/output_info.txt: "<dtype> <d0> <d1> ..." of output 0, for postprocess.py.
int WriteOutputInfo(const std::string &result_dir, const std::string &dtype, const std::vector<int64_t> &shape);

#endif  // CRNN_ASCEND310_INFER_INC_UTILS_H_
