#ifndef C_LINUX_SYSTEM_H
#define C_LINUX_SYSTEM_H
#include <sys/epoll.h>
#endif
