"""A value for every training setting and option, none of them the default: the link the share-link
tests send (tests/test_share_url.py in plain Python, tests/test_browser_links.py in a browser)."""

CHOSEN = {"arch": "bidirectional", "cell": "lstm", "hidden": 64, "layers": 2, "epochs": 7, "lr": 0.002, "batch": 32,
          "seed": 5, "embedding": 16, "pooling": "last+max", "dropout": 0.1, "weight_decay": 0.05, "smoothing": 0.1,
          "schedule": "onecycle", "balance": True, "balance_method": "logit-adjust", "input_dropout": 0.1, "feature_dropout": 0.3,
          "average": 0.998, "balance_strength": 0.5, "keep_best": "macro"}
