"""The entry points: the `desk` command line and the demo.

The only package that imports the core (desk/), the app (ui/) and the reference server
(central/) together; arrows run down from here, so desk/ needs none of them.
"""
