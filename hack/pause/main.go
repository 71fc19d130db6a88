// Command pause is the sandbox ("pause") image of the node tests (test/node): the process that
// holds a Pod's namespaces. No image can be pulled on our machines, so it is built here, into
// an image by hack/image like the manager's. It sleeps until SIGTERM or SIGINT.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}
