/// Tensors, ops through oneDNN, reference ops and reverse-mode autodiff.
