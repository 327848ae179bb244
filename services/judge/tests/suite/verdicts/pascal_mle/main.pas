type
  TBlock = array[0..16777215] of byte;
  PBlock = ^TBlock;
var
  p: PBlock;
  i: longint;
begin
  while true do
  begin
    new(p);
    i := 0;
    while i <= 16777215 do begin p^[i] := 1; inc(i, 4096) end;
  end;
end.
