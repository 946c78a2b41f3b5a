// CRNN inference on Ascend 310 with a MINDIR model: every image under --dataset_path (recursively)
// -> ./result_Files/<relative path without extension>_<output index>.bin, raw output bytes, plus
// ./result_Files/output_info.txt (dtype and shape, so postprocess.py reads float32 and float16 alike).
#include <gflags/gflags.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "include/api/context.h"
#include "include/api/model.h"
#include "include/api/serialization.h"
#include "include/api/types.h"
#include "include/dataset/constants.h"
#include "include/dataset/execute.h"
#include "include/dataset/vision.h"
#include "inc/utils.h"

namespace ds = mindspore::dataset;

DEFINE_string(mindir_path, "", "MINDIR model exported by export.py");
DEFINE_string(dataset_path, ".", "folder of word images (searched recursively)");
DEFINE_int32(device_id, 0, "Ascend device id");
DEFINE_string(result_path, "./result_Files", "folder for the .bin outputs");
DEFINE_string(time_path, "./time_Result", "folder for the latency report");
DEFINE_int32(image_height, 32, "network input height");
DEFINE_int32(image_width, 100, "network input width");

namespace {
std::string DataTypeName(mindspore::DataType type) {
  switch (type) {
    case mindspore::DataType::kNumberTypeFloat32:
      return "float32";
    case mindspore::DataType::kNumberTypeFloat16:
      return "float16";
    default:
      return "unknown";
  }
}
}  // namespace

int main(int argc, char **argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  if (FLAGS_mindir_path.empty()) {
    std::cerr << "error: --mindir_path is required" << std::endl;
    return 1;
  }
  auto context = std::make_shared<mindspore::Context>();
  auto device = std::make_shared<mindspore::Ascend310DeviceInfo>();
  device->SetDeviceID(FLAGS_device_id);
  context->MutableDeviceInfo().push_back(device);

  mindspore::Graph graph;
  if (mindspore::Serialization::Load(FLAGS_mindir_path, mindspore::ModelType::kMindIR, &graph) !=
      mindspore::kSuccess) {
    std::cerr << "error: cannot load " << FLAGS_mindir_path << std::endl;
    return 1;
  }
  mindspore::Model model;
  if (model.Build(mindspore::GraphCell(graph), context) != mindspore::kSuccess) {
    std::cerr << "error: cannot build the model on device " << FLAGS_device_id << std::endl;
    return 1;
  }

  // The one preprocessing of the project (src/dataset.py `preprocess`): decode, RGB->BGR, a side longer
  // than the input's shrunk by area, then bilinear to 32x100, (x - 127.5) / 127.5, HWC -> CHW.
  ds::Execute decode({std::make_shared<ds::vision::Decode>(), std::make_shared<ds::vision::SwapRedBlue>()});
  ds::Execute to_input({std::make_shared<ds::vision::Resize>(
                            std::vector<int32_t>{FLAGS_image_height, FLAGS_image_width},
                            ds::InterpolationMode::kLinear),
                        std::make_shared<ds::vision::Normalize>(std::vector<float>{127.5, 127.5, 127.5},
                                                                std::vector<float>{127.5, 127.5, 127.5}),
                        std::make_shared<ds::vision::HWC2CHW>()});
  auto preprocess = [&](const mindspore::MSTensor &encoded, mindspore::MSTensor *input) -> bool {
    mindspore::MSTensor image;
    if (decode(encoded, &image) != mindspore::kSuccess) {
      return false;
    }
    const int32_t rows = static_cast<int32_t>(image.Shape()[0]);
    const int32_t cols = static_cast<int32_t>(image.Shape()[1]);
    if (rows > FLAGS_image_height || cols > FLAGS_image_width) {
      ds::Execute shrink(std::make_shared<ds::vision::Resize>(
          std::vector<int32_t>{std::min(rows, FLAGS_image_height), std::min(cols, FLAGS_image_width)},
          ds::InterpolationMode::kArea));
      mindspore::MSTensor shrunk;
      if (shrink(image, &shrunk) != mindspore::kSuccess) {
        return false;
      }
      image = shrunk;
    }
    return to_input(image, input) == mindspore::kSuccess;
  };

  std::vector<std::string> images = ListImages(FLAGS_dataset_path);
  if (images.empty()) {
    std::cerr << "error: no images under " << FLAGS_dataset_path << std::endl;
    return 1;
  }
  double total_ms = 0;
  size_t done = 0, failed = 0;
  bool info_written = false;
  for (const std::string &path : images) {
    std::ifstream file(path, std::ios::binary | std::ios::ate);
    std::vector<uint8_t> bytes(static_cast<size_t>(file.tellg()));
    file.seekg(0);
    file.read(reinterpret_cast<char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    mindspore::MSTensor encoded("image", mindspore::DataType::kNumberTypeUInt8,
                                {static_cast<int64_t>(bytes.size())}, bytes.data(), bytes.size());
    mindspore::MSTensor input;
    if (!file || !preprocess(encoded, &input)) {
      std::cerr << "skipped unreadable image " << path << std::endl;
      ++failed;
      continue;
    }
    std::vector<mindspore::MSTensor> inputs{input}, outputs;
    auto start = std::chrono::steady_clock::now();
    if (model.Predict(inputs, &outputs) != mindspore::kSuccess) {
      std::cerr << "error: inference failed on " << path << std::endl;
      return 1;
    }
    total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const std::string stem = ResultStem(FLAGS_dataset_path, path);
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (WriteResult(FLAGS_result_path, stem, i, outputs[i].Data().get(), outputs[i].DataSize()) != 0) {
        return 1;
      }
    }
    if (!info_written) {
      info_written = WriteOutputInfo(FLAGS_result_path, DataTypeName(outputs[0].DataType()),
                                     outputs[0].Shape()) == 0;
    }
    ++done;
  }
  std::string report = "NN inference cost average time: " + std::to_string(done ? total_ms / done : 0.0) +
                       " ms of infer_count " + std::to_string(done) + "\n";
  std::cout << report << "skipped " << failed << " unreadable images" << std::endl;
  std::ofstream(FLAGS_time_path + "/test_perform_static.txt") << report;
  return 0;
}
