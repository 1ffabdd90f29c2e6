# The "Save and Load the Model" page of PyTorch's Learn the Basics series as run for the
# goldens (Examples/Basics/SaveLoad is the Swift twin). Nothing can be downloaded, so the
# pretrained VGG16 is an untrained one drawn after torch.manual_seed(0); the values a notebook
# shows for load_state_dict and model.eval() are printed, and one line (marked) shows that
# the weights survived the round trip.
import torch
import torchvision.models as models

torch.manual_seed(0)

model = models.vgg16()  # the page: models.vgg16(weights='IMAGENET1K_V1')
torch.save(model.state_dict(), 'model_weights.pth')

model = models.vgg16()  # we do not specify ``weights``, i.e. create untrained model
print(model.load_state_dict(torch.load('model_weights.pth', weights_only=True)))
print(model.eval())

torch.save(model, 'model.pth')

model = torch.load('model.pth', weights_only=False)

print(model.features[0].weight[0, 0])  # not on the page: the first filter after the round trips
