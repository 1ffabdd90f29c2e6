func checkDistributedDataParallel(_ report: inout Report) {}
