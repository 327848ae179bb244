#include <string>
static const std::string SECRET = "xcs-{{TOKEN}}";
