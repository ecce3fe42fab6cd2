"""Parent cycles among customers (a company that would be its own ancestor)."""

__all__ = ["parent_cycles"]


def parent_cycles(parent_of):
    """Cycles of the ``{node: parent}`` graph, each as the list of its nodes
    in parent order starting from its smallest (by ``str``) node.

    A node that is its own parent is a cycle of one. Nodes leading into a
    cycle without being on it are not part of it. Linear in the nodes.
    """
    done = set()
    cycles = []
    for start in parent_of:
        path, index = [], {}
        node = start
        while node in parent_of and node not in done and node not in index:
            index[node] = len(path)
            path.append(node)
            node = parent_of[node]
        if node in index:  # came back onto this walk: a new cycle
            cycle = path[index[node] :]
            first = min(range(len(cycle)), key=lambda i: str(cycle[i]))
            cycles.append(cycle[first:] + cycle[:first])
        done.update(path)
    return cycles
