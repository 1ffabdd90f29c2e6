"""What the page scripts that read FashionMNIST share: the gzipped IDX files of --data unpacked
into a scratch folder laid out as torchvision expects (root/FashionMNIST/raw), removed at exit."""
import atexit
import gzip
import os
import shutil
import tempfile


def fashion_root(data):
    root = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, root)
    os.makedirs(os.path.join(root, "FashionMNIST", "raw"))
    for name in os.listdir(data):
        with gzip.open(os.path.join(data, name)) as source, \
                open(os.path.join(root, "FashionMNIST", "raw", name[:-3]), "wb") as target:
            shutil.copyfileobj(source, target)
    return root
