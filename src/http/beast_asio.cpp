// The one translation unit that compiles Asio's and Beast's implementation (they are built
// with *_SEPARATE_COMPILATION), so no other file pays for it.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
