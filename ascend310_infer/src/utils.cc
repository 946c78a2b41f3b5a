#include "inc/utils.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

namespace fs = std::filesystem;

namespace {
bool IsImage(const fs::path &path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

int WriteFileAtomically(const fs::path &target, const void *data, size_t size) {
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) {
    std::cerr << "cannot create " << target.parent_path() << ": " << error.message() << std::endl;
    return 1;
  }
  fs::path temporary = target;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char *>(data), static_cast<std::streamsize>(size));
    if (!out) {
      std::cerr << "cannot write " << temporary << std::endl;
      return 1;
    }
  }
  fs::rename(temporary, target, error);
  if (error) {
    std::cerr << "cannot rename " << temporary << " to " << target << ": " << error.message() << std::endl;
    return 1;
  }
  return 0;
}
}  // namespace

std::vector<std::string> ListImages(const std::string &root) {
  std::vector<std::string> images;
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file() && IsImage(it->path())) {
      images.push_back(it->path().string());
    }
  }
  if (error) {
    std::cerr << "cannot list " << root << ": " << error.message() << std::endl;
  }
  std::sort(images.begin(), images.end());
  return images;
}

std::string ResultStem(const std::string &root, const std::string &image) {
  fs::path relative = fs::path(image).lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") {
    relative = fs::path(image).filename();
  }
  return (relative.parent_path() / relative.stem()).generic_string();
}

int WriteResult(const std::string &result_dir, const std::string &stem, size_t index, const void *data,
                size_t size) {
  return WriteFileAtomically(fs::path(result_dir) / (stem + "_" + std::to_string(index) + ".bin"), data, size);
}

int WriteOutputInfo(const std::string &result_dir, const std::string &dtype, const std::vector<int64_t> &shape) {
  std::string text = dtype;
  for (int64_t dim : shape) {
    text += " " + std::to_string(dim);
  }
  text += "\n";
  return WriteFileAtomically(fs::path(result_dir) / "output_info.txt", text.data(), text.size());
}
