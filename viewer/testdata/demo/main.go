// Command demo greets visitors and remembers them.
package main

import (
	"fmt"
	"os"

	"example.com/demo/greet"
	"example.com/demo/store"
)

func main() {
	visitors := store.Open(os.Getenv("DEMO_STORE"))
	for _, name := range os.Args[1:] {
		n := visitors.Add(name)
		fmt.Println(greet.Hello(name, n))
	}
}
