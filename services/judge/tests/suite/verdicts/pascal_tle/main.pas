var x: int64;
begin
  x := 0;
  while x >= 0 do inc(x);
  writeln(x);
end.
