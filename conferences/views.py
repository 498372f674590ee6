"""Conference pages: parse -> fetch through the permission getter -> call a service -> respond."""
