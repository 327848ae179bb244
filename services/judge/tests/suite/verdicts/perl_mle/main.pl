my @keep;
while (1) { push @keep, 'x' x (16 << 20) }
