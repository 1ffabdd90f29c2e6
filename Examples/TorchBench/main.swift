import Torch
final class WithDropout: Module {
  let body = nn.Sequential(nn.Linear(4, 4), nn.Dropout(p: 0.5))
  let extra = [nn.Dropout(p: 0.9)]
}
let model = WithDropout()
model.eval()
model.train()
for (n, m) in model.namedModules() { print(n, m.isTraining, ObjectIdentifier(m)) }
