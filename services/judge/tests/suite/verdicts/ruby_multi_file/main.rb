require_relative "helper"

a, b = $stdin.read.split.map(&:to_i)
puts Helper.add(a, b)
