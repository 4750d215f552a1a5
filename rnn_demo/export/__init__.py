"""Take it home: one training run written out as a folder of plain code (train.py, predict.py, a
notebook, the table and the weights) that trains the same run again with torch and pandas alone."""
