<?php
$keep = [];
while (true) {
    $keep[] = str_repeat('x', 16 << 20);
}
