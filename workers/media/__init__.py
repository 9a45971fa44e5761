"""Media download, storage and understanding: the pure building blocks the media jobs
call. Nothing here touches the database or Redis."""
