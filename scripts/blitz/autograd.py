# The "A Gentle Introduction to torch.autograd" page of PyTorch's 60-minute blitz
# (beginner_source/blitz/autograd_tutorial.py) as run for the goldens: its code blocks in order
# after torch.manual_seed(0); Examples/Blitz/Autograd is the Swift twin. Nothing can be
# downloaded, so each pretrained ResNet-18 is an untrained one drawn from the seed. The page's
# training step and its fine-tuning set-up print nothing; three lines (marked) show what they did.
import torch
from torchvision.models import resnet18

torch.manual_seed(0)

model = resnet18()  # the page: resnet18(weights=ResNet18_Weights.DEFAULT)
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

prediction = model(data)  # forward pass

loss = (prediction - labels).sum()
loss.backward()  # backward pass

optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

optim.step()  # gradient descent
print(prediction.shape)  # not on the page
print(model.fc.bias[:4])  # not on the page: each bias moved by -lr, its gradient being 1

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

Q = 3*a**3 - b**2

external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

from torch import nn, optim

model = resnet18()  # the page: resnet18(weights=ResNet18_Weights.DEFAULT)

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(512, 10)

# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print(*[name for name, param in model.named_parameters() if param.requires_grad])  # not on the page
