"""pvhboot-pack's parts that are more than its command line: what the
firmware would say about a kernel (identify), and where the installed
firmware images are (locate)."""
