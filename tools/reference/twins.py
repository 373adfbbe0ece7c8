"""PyTorch twins of the samples in samples/*.resnet, with the same parameter names.

torchvision's ResNets are used as they are; the other networks are written here the way their
papers describe them. Each twin's state_dict keys equal the names resnetc gives the sample's
parameters, so a state_dict exported from a twin loads into the generated class unchanged.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class CifarBasic(nn.Module):
    """He et al. 2015 section 4.2: two 3x3 convolutions; option A shortcut when the shape changes."""

    def __init__(self, cin, planes, stride, residual):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.residual = residual
        self.stride = stride
        self.pad = planes - cin

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            shortcut = x[:, :, ::self.stride, ::self.stride]
            if self.pad:
                front = self.pad // 2
                shortcut = F.pad(shortcut, (0, 0, 0, 0, front, self.pad - front))
            out = out + shortcut
        return F.relu(out)


class CifarNet(nn.Module):
    """The 6n+2-layer CIFAR-10 networks, residual (option A) or plain."""

    def __init__(self, n, residual):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin = 16
        for i, planes in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                stride = 2 if i > 0 and j == 0 else 1
                blocks.append(CifarBasic(cin, planes, stride, residual))
                cin = planes
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class PlainBasic(nn.Module):
    """torchvision's BasicBlock without the shortcut."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

    def forward(self, x):
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class PlainImageNet(nn.Module):
    """torchvision's ResNet-18/34 layout with plain blocks."""

    def __init__(self, layers):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        cin = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = []
            for j in range(n):
                blocks.append(PlainBasic(cin, planes, 2 if i > 0 and j == 0 else 1))
                cin = planes
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.fc = nn.Linear(512, 1000)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class PreAct(nn.Module):
    """He et al. 2016 full pre-activation unit; W_s (1x1 conv + BN) on x when the shape changes."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = self.conv1(F.relu(self.bn1(x)))
        out = self.conv2(F.relu(self.bn2(out)))
        return out + self.shortcut(x)


class PreActResNet18(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        cin = 64
        for i, planes in enumerate((64, 128, 256, 512)):
            blocks = []
            for j in range(2):
                blocks.append(PreAct(cin, planes, 2 if i > 0 and j == 0 else 1))
                cin = planes
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
        self.bn = nn.BatchNorm2d(512)
        self.fc = nn.Linear(512, 10)

    def forward(self, x):
        x = self.layer4(self.layer3(self.layer2(self.layer1(self.conv1(x)))))
        x = F.relu(self.bn(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class DenseBlock(nn.Module):
    """relu(F(x) + x) with F = dense, relu, dense; W_s is a bias-free matrix when widths differ."""

    def __init__(self, fin, features):
        super().__init__()
        self.fc1 = nn.Linear(fin, features)
        self.fc2 = nn.Linear(features, features)
        self.shortcut = nn.Linear(fin, features, bias=False) if fin != features else None

    def forward(self, x):
        skip = x if self.shortcut is None else self.shortcut(x)
        return F.relu(self.fc2(F.relu(self.fc1(x))) + skip)


class ResidualMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.block1 = DenseBlock(128, 128)
        self.block2 = DenseBlock(128, 256)
        self.block3 = DenseBlock(256, 256)
        self.head = nn.Linear(256, 10)

    def forward(self, x):
        return self.head(self.block3(self.block2(self.block1(x))))


# sample name -> (constructor, input shape without the batch)
TWINS = {
    "resnet18": (lambda: torchvision.models.resnet18(), (3, 224, 224)),
    "resnet34": (lambda: torchvision.models.resnet34(), (3, 224, 224)),
    "resnet50": (lambda: torchvision.models.resnet50(), (3, 224, 224)),
    "resnet101": (lambda: torchvision.models.resnet101(), (3, 224, 224)),
    "resnet152": (lambda: torchvision.models.resnet152(), (3, 224, 224)),
    "resnet20": (lambda: CifarNet(3, True), (3, 32, 32)),
    "resnet32": (lambda: CifarNet(5, True), (3, 32, 32)),
    "resnet44": (lambda: CifarNet(7, True), (3, 32, 32)),
    "resnet56": (lambda: CifarNet(9, True), (3, 32, 32)),
    "resnet110": (lambda: CifarNet(18, True), (3, 32, 32)),
    "plain20": (lambda: CifarNet(3, False), (3, 32, 32)),
    "plain56": (lambda: CifarNet(9, False), (3, 32, 32)),
    "plain18": (lambda: PlainImageNet((2, 2, 2, 2)), (3, 224, 224)),
    "plain34": (lambda: PlainImageNet((3, 4, 6, 3)), (3, 224, 224)),
    "preact_resnet18": (PreActResNet18, (3, 32, 32)),
    "residual_mlp": (ResidualMLP, (128,)),
}
