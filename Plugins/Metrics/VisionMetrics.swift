/// Built-in metric plugins, one file per metric or family.
