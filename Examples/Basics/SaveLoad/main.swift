// The "Save and Load the Model" page of PyTorch's Learn the Basics series, block by block.
// Nothing can be downloaded, so the pretrained VGG16 is an untrained one drawn after
// torch.manualSeed(0), as in scripts/basics/saveload.py; the values a notebook shows for
// loadStateDict and model.eval() are printed.
import Foundation
import Torch

torch.manualSeed(0)

// MARK: - Saving and Loading Model Weights

var model = models.vgg16()  // the page: models.vgg16(weights: "IMAGENET1K_V1")
try torch.save(model.stateDict(), to: "model_weights.pth")

model = models.vgg16()  // we do not specify `weights`, i.e. create untrained model
print(try model.loadStateDict(torch.load(from: "model_weights.pth")))
print(model.eval())

// MARK: - Saving and Loading Models with Shapes

// torch.save(model, 'model.pth') pickles the Python class with the weights; a Swift model is
// compiled code, so its state dict is what gets saved, and the class is built in code:
try torch.save(model.stateDict(), to: "model.pth")
model = models.vgg16()
_ = try model.loadStateDict(torch.load(from: "model.pth"))

print((model.features[0] as! nn.Conv2d).weight[0, 0])  // not on the page: the first filter after the round trips
