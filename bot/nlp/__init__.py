"""Chinese text handling shared by search and the NLU data: normalisation and jieba's dictionary."""
