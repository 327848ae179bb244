begin
  writeln(3);
  halt(3);
end.
