namespace Kaelio.Engine;

/// <summary>Life cycle of a live handle (a proxy or a database connection).</summary>
public enum KaelioState
{
    Connecting,
    Ready,
    Reconnecting,
    Faulted,
    Closed,
}
