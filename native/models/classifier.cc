#include "classifier.h"

#include "../core/error.h"

namespace gentorch {

ClassifierNet::ClassifierNet(const ClassifierOptions& o) {
  if (o.num_classes() < 2)
    fail("E_DATA", "Expected at least 2 classes to train a classifier but received ", o.num_classes());
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(o.channels(), 32, 3).padding(1)));
  conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)));
  fc1 = register_module("fc1", torch::nn::Linear(64 * 7 * 7, o.feature_dim()));
  fc2 = register_module("fc2", torch::nn::Linear(o.feature_dim(), o.num_classes()));
}

torch::Tensor ClassifierNet::features(const torch::Tensor& x) {
  auto h = torch::max_pool2d(torch::relu(conv1->forward(x)), 2);
  h = torch::max_pool2d(torch::relu(conv2->forward(h)), 2);
  h = torch::adaptive_avg_pool2d(h, {7, 7}).flatten(1);  // a no-op at 28 pixels
  return torch::relu(fc1->forward(h));
}

torch::Tensor ClassifierNet::forward(const torch::Tensor& x) { return fc2->forward(features(x)); }

}  // namespace gentorch
