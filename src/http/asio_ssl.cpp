// Asio's SSL implementation (Asio is built with BOOST_ASIO_SEPARATE_COMPILATION), in a
// translation unit of its own so that what links beast_asio.cpp alone needs no libssl.
#include <boost/asio/ssl/impl/src.hpp>
